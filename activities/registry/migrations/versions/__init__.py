"""One module per revision, applied in order by activities.registry.migrate."""
