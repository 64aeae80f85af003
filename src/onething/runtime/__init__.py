"""Manifest + answers → cases: the runtime (../shared/design/architecture.md §9).

Acceptance at the window (``window``, ``acceptance``, ``notices``), the engine (``engine``,
``progress``, ``adapters``, ``config``), what clerks do and read (``clerk``, ``queries``), on
the foundation: the case store (``store``), the working-day calendar (``calendar``), the audit
hash chain (``audit``), step and case transitions, masking and the one injectable clock. The
runtime reads manifests (``onething.compiler.manifest``), never bundle YAML — ``window``
compiles a bundle through the compiler library when a clerk names one.
"""
