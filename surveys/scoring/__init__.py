"""Pure scoring: no Flask, no SQLAlchemy. The most tested code in Boundary."""
