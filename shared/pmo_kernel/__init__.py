"""pmo shared kernel: the event-sourcing building blocks every pmo service stands on."""
