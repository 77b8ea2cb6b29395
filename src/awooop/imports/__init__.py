"""Import of history from the systems teams are leaving (SPEC §11): Alerta, Opsgenie, Grafana
OnCall and AwoooP's own JSONL export. Pure parsers in ``formats/``; ``convert`` turns a record
into a ``channel_events`` row; ``service`` streams, batches and counts; ``repository`` holds the
SQL. Imported events are never routed."""
