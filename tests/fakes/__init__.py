"""Local fakes of outside systems, for tests without the internet."""
