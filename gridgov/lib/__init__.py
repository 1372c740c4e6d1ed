"""Framework-free helpers: coordinates, validation, field encryption, addresses."""
