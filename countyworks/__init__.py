"""CountyWorks (县区工作台)."""
