"""The OpenAPI 3.1 document of every route, exact enough that schemathesis finds the server
and the document agree.

`document` is the whole (`openapi_document`) with the API's paths and schemas; `admin`,
`scenario` and `journal` the admin routes', the configuration's and the journal's; `builders`
the small fragment builders they share. Every bound is read from the constant the server
enforces, so the two cannot drift apart.

May import: `server.admin`, `server.api`, `server.config` and `server.models` for their
constants — never the running server (`server.state`, `server.accounting`), the app or the CLI.
"""
