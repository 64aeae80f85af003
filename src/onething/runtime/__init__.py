"""Manifest + answers → cases: the runtime (../shared/design/architecture.md §9).

FOUNDATION ONLY. What exists: the case store (``store``: tables, migrations, case numbers,
manifests stored once by hash), the working-day calendar (``calendar``) with its regional
overlays, the audit hash chain (``audit``), personal-data masking (``masking``) and the one
injectable clock (``clock``). The engine, adapters, acceptance and the CLI commands are
built on these next. The runtime reads manifests (``onething.compiler.manifest``), never
bundle YAML.
"""
