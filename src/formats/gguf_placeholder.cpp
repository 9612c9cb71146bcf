// Placeholder so the formats library has a source until gguf.cpp lands.
namespace primer { void formats_placeholder() {} }
