//! axum extractors (placeholder while the layer lands).
