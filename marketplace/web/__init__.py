"""The web layer: blueprints, forms, access decorators, error pages and template helpers."""
