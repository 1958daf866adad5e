"""Excel registers of the safety programme."""
