"""The interactive page (Solara components around a Mesa model): ``solara run sim/ui/app.py``. The top layer."""
