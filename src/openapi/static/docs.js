// Starts Swagger UI on /docs. A file of its own (no inline script), so a Content-Security-Policy
// of script-src 'self' allows it. Everything it loads comes from this server.
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // Never ask validator.swagger.io for a badge: the page makes no request elsewhere.
    validatorUrl: null,
    displayOperationId: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
