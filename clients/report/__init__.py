"""Pure code from result documents to renderables and strings; `console` is the only writer."""
