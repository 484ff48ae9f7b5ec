"""The emergency procurement marketplace.

Layers, each importing only those below it: ``web`` (blueprints, forms, access) > ``jobs`` >
``services`` (use cases) > ``models`` > ``domain`` (pure rules: no Flask, no SQLAlchemy).
The application is built by ``marketplace.app.create_app``.
"""
