"""Readable views of a manifest: the plan table, the dependency graph, the report.

Views read manifests only, never the YAML.
"""
