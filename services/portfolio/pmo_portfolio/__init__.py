"""pmo portfolio service: which demands become funded projects, decided by whom, on what."""
