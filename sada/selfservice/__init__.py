"""Self-service: the knowledge base, the public help centre, search in four scripts, the
assistant that cites or hands off, and the web chat widget with a human behind it.

Modules: `models` (tables), `kb` (articles, versions, revisions, attachments, import/export),
`analyzer` and `search` (per-language lexical ranking fused with embeddings), `assistant`
(extractive answers, handoff intents, the optional generative backend in `generative`),
`chat` (widget sessions and the inbox hand-off), `measures` (self-service figures), `api`
(REST), `public` (help centre pages, the widget script and its frame), `web` (editor and
analytics pages), `tasks` (event subscribers), `demo` (the demo company's help centre).
"""
