"""The web tier: Linked Data pages, the SPARQL endpoint and the harvesting interfaces."""
