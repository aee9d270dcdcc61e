"""One APIRouter per domain; ``api.app.create_app`` includes them all."""
