"""The maturity models shipped with twinning, installed as the package ``assessment.data``.

The files live at the repository root, where people look for them; ``pyproject.toml`` maps
the package ``assessment.data`` onto this directory, so wheels (and editable installs) carry
them and ``assessment.model`` reads them with ``importlib.resources``.
"""
