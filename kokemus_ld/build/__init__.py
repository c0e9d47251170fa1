"""The build: YAML entries -> RDF -> SHACL validation -> the published dataset."""
