"""The system's return reasons (seed 004: "for example, Damaged, Defective, Unwanted Gift, Wrong
Size"); the data migration seeds them, custom ones are added in the admin."""

SYSTEM_REASONS = ("Damaged", "Defective", "Unwanted Gift", "Wrong Size")
