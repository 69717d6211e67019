"""Jobs are stored by django-q2 (its queue, results and schedules); this app adds no tables."""
