"""The closed expression language: parse (syntax), check units and types (check), compile
to closures over plain Decimal values (compile). No eval, no exec, no attribute access."""
