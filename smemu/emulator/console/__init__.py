"""smemu's local console: jobs, logs, metric charts, pictures of models and a try-it form for
endpoints, in the browser (``smemu server`` at ``/console/``, ``smemu console``) or as one HTML
file (``smemu report``)."""
