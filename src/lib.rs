pub mod mimecast;
