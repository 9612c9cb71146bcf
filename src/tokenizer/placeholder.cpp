// Placeholder so the tokenizer library has a source until tokenizer.cpp lands.
namespace primer { void tokenizer_placeholder() {} }
