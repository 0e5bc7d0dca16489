"""Every source by name: `skypilot:<cloud>`, `azure`, `runpod`, `openrouter`, `litellm`, `page:<provider>`."""

from . import azure, litellm, openrouter, pages, runpod, skypilot

REGISTRY = {
    source.name: source for module in (skypilot, azure, runpod, openrouter, litellm, pages) for source in module.SOURCES
}


def get_source(name):
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None
