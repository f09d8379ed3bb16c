"""One run, one job, a sweep's designs and its gathering into one table. Imports core and analysis."""
