"""The interactive page (Solara, Mesa's SolaraViz): ``solara run sim/ui/app.py``. The top layer."""
