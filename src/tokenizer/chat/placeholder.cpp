// Placeholder so the chat library has a source until the template engine lands.
namespace primer { void chat_placeholder() {} }
