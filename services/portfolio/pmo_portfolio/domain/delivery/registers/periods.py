"""Calendar months as "YYYY-MM" strings: the periods benefits are planned and reported for.
The arithmetic is the kernel's (pmo_kernel.benefits), which reporting uses too."""

from __future__ import annotations

from pmo_kernel.months import month_at, month_index, month_of, months_between

__all__ = ["month_at", "month_index", "month_of", "months_between"]
