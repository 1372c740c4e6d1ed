"""Open311 GeoReport v2 at /open311/v2/: the standard API through which outside apps report and follow matters."""
