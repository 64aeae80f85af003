"""Text → typed source: source positions, the safe loader, the pydantic models, validation,
the condition language, answers files, and the diagnostics registry.

Nothing here imports the compiler, the views or the CLI.
"""
