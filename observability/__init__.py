"""What every entry point shares to be observed: logging configuration."""
