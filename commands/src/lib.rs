//! The mimecast-bot command language (see issue #3).
