"""Streamlit glue for Latent Explorer: session state, cached resources, jobs, the map component.

Pages stay thin: they read and change the session's Workspace (ui.state) and draw with the
helpers here; all maths happens in latent_core.
"""
