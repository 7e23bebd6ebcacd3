"""The studio's settings, read from the environment."""

from __future__ import annotations

from studio.settings import Settings


def test_settings_come_from_the_environment_when_asked(tmp_path):
    settings = Settings.from_environment(tmp_path, environment={
        "LM_GENERATION_SECONDS": "2.5", "LM_SAMPLING_CONCURRENCY": "1", "LM_QUEUE_SIZE": "3",
        "LM_HUB_MODELS": str(tmp_path / "list.json")})
    assert (settings.generation_seconds, settings.sampling_concurrency, settings.queue_size) == (2.5, 1, 3)
    assert settings.hub_models_file == tmp_path / "list.json" and settings.checkpoints == tmp_path / "checkpoints"
    defaults = Settings.from_environment(tmp_path, environment={})
    assert (defaults.generation_seconds, defaults.sampling_concurrency, defaults.queue_size) == (60, 4, 64)
    assert defaults.hub_models_file == tmp_path / "models.json"
