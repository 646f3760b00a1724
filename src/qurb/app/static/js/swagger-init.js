// Starts the vendored Swagger UI of /docs (a file, not an inline script: the page's CSP).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  // Every group folded at first (the API has some 200 operations in 20 groups): one
  // opens the group it wants; the schemas are read where the operations use them.
  docExpansion: "none",
  defaultModelsExpandDepth: -1,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
