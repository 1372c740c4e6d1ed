"""The case pages: console, inbox, grid worker's page, case page, public tracking; moves go through `moves`."""
