"""Importers and exporters of territory data: grid boundaries (GeoJSON) and the community rosters (xlsx).

Each importer first builds a plan (every check, nothing written) and then, only when asked, commits
the whole plan in one transaction. The management commands `import_grids`, `export_grids` and
`import_roster` are thin wrappers around these modules.
"""
