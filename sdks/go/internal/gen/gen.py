#!/usr/bin/env python3
"""Generates models.go and operations.go of the Go SDK from the server's /v1/openapi.json.

Usage (from sdks/go): python3 internal/gen/gen.py openapi.json && gofmt -w models.go operations.go
Standard library only. The operationId -> (service, method) table below is the SDK's surface.
"""
import json
import re
import sys

METHODS = {
    'createAgent': ('Agents', 'Create'), 'listAgents': ('Agents', 'List'), 'getAgent': ('Agents', 'Get'),
    'updateAgent': ('Agents', 'Update'), 'deleteAgent': ('Agents', 'Delete'),
    'sendMessage': ('Agents', 'SendMessage'), 'promptPreview': ('Agents', 'PromptPreview'),
    'listConversations': ('Agents', 'ListConversations'),
    'searchConversations': ('Conversations', 'Search'), 'getConversation': ('Conversations', 'Get'),
    'deleteConversation': ('Conversations', 'Delete'), 'listMessages': ('Conversations', 'ListMessages'),
    'exportConversation': ('Conversations', 'Export'), 'exportAgentConversations': ('Conversations', 'ExportAll'),
    'getAgentAnalytics': ('Analytics', 'Agent'), 'getAccountAnalytics': ('Analytics', 'Account'),
    'setMessageFeedback': ('Messages', 'SetFeedback'), 'deleteMessageFeedback': ('Messages', 'DeleteFeedback'),
    'listPlugins': ('Plugins', 'List'), 'getPlugin': ('Plugins', 'Get'), 'listAgentPlugins': ('Plugins', 'ListEnabled'),
    'enablePlugin': ('Plugins', 'Enable'), 'disablePlugin': ('Plugins', 'Disable'),
    'createTool': ('Tools', 'Create'), 'listTools': ('Tools', 'List'), 'rotateToolSecret': ('Tools', 'RotateSecret'),
    'getTool': ('Tools', 'Get'), 'updateTool': ('Tools', 'Update'), 'deleteTool': ('Tools', 'Delete'),
    'createCharacter': ('Characters', 'Create'), 'listCharacters': ('Characters', 'List'),
    'importCharacter': ('Characters', 'Import'), 'exportCharacter': ('Characters', 'Export'),
    'getCharacter': ('Characters', 'Get'), 'updateCharacter': ('Characters', 'Update'),
    'deleteCharacter': ('Characters', 'Delete'), 'listCharacterRevisions': ('Characters', 'Revisions'),
    'getCharacterRevision': ('Characters', 'Revision'),
    'createApiKey': ('APIKeys', 'Create'), 'listApiKeys': ('APIKeys', 'List'), 'revokeApiKey': ('APIKeys', 'Revoke'),
    'rotateApiKey': ('APIKeys', 'Rotate'),
    'createWebhook': ('Webhooks', 'Create'), 'listWebhooks': ('Webhooks', 'List'), 'getWebhook': ('Webhooks', 'Get'),
    'updateWebhook': ('Webhooks', 'Update'), 'deleteWebhook': ('Webhooks', 'Delete'),
    'rotateWebhookSecret': ('Webhooks', 'RotateSecret'), 'sendTestWebhook': ('Webhooks', 'Test'),
    'listWebhookDeliveries': ('Webhooks', 'Deliveries'), 'getWebhookDelivery': ('Webhooks', 'Delivery'),
    'redeliverWebhookDelivery': ('Webhooks', 'Redeliver'),
    'createAccount': ('Accounts', 'Create'), 'listAccounts': ('Accounts', 'List'), 'getAccount': ('Accounts', 'Get'),
    'updateAccount': ('Accounts', 'Update'),
    'uploadAgentKnowledge': ('Knowledge', 'UploadForAgent'), 'listAgentKnowledge': ('Knowledge', 'ListForAgent'),
    'searchAgentKnowledge': ('Knowledge', 'Search'), 'attachKnowledge': ('Knowledge', 'Attach'),
    'detachKnowledge': ('Knowledge', 'Detach'), 'uploadKnowledge': ('Knowledge', 'Upload'),
    'listKnowledge': ('Knowledge', 'List'), 'getKnowledgeDocument': ('Knowledge', 'Get'),
    'deleteKnowledgeDocument': ('Knowledge', 'Delete'), 'listKnowledgeChunks': ('Knowledge', 'Chunks'),
    'createMcpServer': ('MCPServers', 'Create'), 'listMcpServers': ('MCPServers', 'List'),
    'getMcpServer': ('MCPServers', 'Get'), 'updateMcpServer': ('MCPServers', 'Update'),
    'deleteMcpServer': ('MCPServers', 'Delete'), 'refreshMcpServer': ('MCPServers', 'Refresh'),
    'listAgentMcpServers': ('MCPServers', 'ListForAgent'), 'enableMcpServer': ('MCPServers', 'Enable'),
    'disableMcpServer': ('MCPServers', 'Disable'),
}

# Component names that read badly as Go names.
RENAME = {'ApiKey': 'APIKey', 'CreateApiKeyInput': 'CreateAPIKeyInput', 'RotateApiKeyInput': 'RotateAPIKeyInput',
          'McpServer': 'MCPServer', 'AgentMcpServer': 'AgentMCPServer', 'CreateMcpServerInput': 'CreateMCPServerInput',
          'UpdateMcpServerInput': 'UpdateMCPServerInput', 'EnableMcpServerInput': 'EnableMCPServerInput'}
INITIALISMS = {'Id': 'ID', 'Url': 'URL', 'Ms': 'Ms', 'Api': 'API', 'Mcp': 'MCP', 'Http': 'HTTP', 'Json': 'JSON'}

spec = json.load(open(sys.argv[1]))
schemas = spec['components']['schemas']
structs = {}  # name -> go source
order = []


def go_name(raw):
    parts = re.findall(r'[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])', raw[0].upper() + raw[1:])
    return ''.join(INITIALISMS.get(p, p[0].upper() + p[1:]) for p in parts)


def param_name(raw):
    """A Go parameter name: mcpServerId -> mcpServerID."""
    return re.sub(r'Id$', 'ID', raw)


def ref_name(ref):
    name = ref.split('/')[-1]
    return RENAME.get(name, name)


def comment(text, indent=''):
    if not text:
        return ''
    return ''.join(f'{indent}// {line}\n' for line in text.replace('\u2019', "'").split('\n'))


def nullable(schema):
    t = schema.get('type')
    if isinstance(t, list) and 'null' in t:
        return True
    return any(s.get('type') == 'null' for s in schema.get('anyOf', []))


def base_type(schema, hint, is_input):
    """The Go type of a schema, without pointer for nullability."""
    if '$ref' in schema:
        return ref_name(schema['$ref'])
    if 'anyOf' in schema:
        rest = [s for s in schema['anyOf'] if s.get('type') != 'null']
        if len(rest) == 1 and rest[0]:
            return base_type(rest[0], hint, is_input)
        return 'any'
    t = schema.get('type')
    if isinstance(t, list):
        t = [x for x in t if x != 'null']
        t = t[0] if len(t) == 1 else None
    if t == 'string':
        return 'string'
    if t == 'integer':
        return 'int'
    if t == 'number':
        return 'float64'
    if t == 'boolean':
        return 'bool'
    if t == 'array':
        return '[]' + base_type(schema.get('items', {}), hint + 'Item', is_input)
    if t == 'object':
        if schema.get('properties'):
            emit_struct(hint, schema, is_input)
            return hint
        extra = schema.get('additionalProperties')
        if isinstance(extra, dict) and extra.get('type') == 'string':
            return 'map[string]string'
        return 'map[string]any'
    return 'any'


def field_type(schema, hint, required, is_input):
    t = base_type(schema, hint, is_input)
    scalar = t in ('string', 'int', 'float64', 'bool') or (t[0].isupper() and not t.startswith('map'))
    if is_input:
        if not required and scalar:
            return '*' + t
        return t
    if nullable(schema) and scalar:
        return '*' + t
    return t


def emit_struct(name, schema, is_input):
    if name in structs:
        return
    structs[name] = None
    required = set(schema.get('required', []))
    lines = [comment(schema.get('description', '')) + f'type {name} struct {{\n']
    for prop, sub in schema.get('properties', {}).items():
        fname = go_name(prop)
        req = prop in required
        t = field_type(sub, name + fname, req, is_input)
        omit = ',omitempty' if (is_input and not req) else ''
        lines.append(comment(sub.get('description', ''), '\t'))
        lines.append(f'\t{fname} {t} `json:"{prop}{omit}"`\n')
    lines.append('}\n')
    structs[name] = ''.join(lines)
    order.append(name)


for cname, schema in schemas.items():
    if cname.endswith('Error') and cname != 'FieldError':
        continue
    emit_struct(RENAME.get(cname, cname), schema, is_input=cname.endswith('Input') or cname == 'SendMessageRequest')

def resolve(p):
    while '$ref' in p:
        node = spec
        for part in p['$ref'].lstrip('#/').split('/'):
            node = node[part]
        p = node
    return p


ops = []
for path, item in spec['paths'].items():
    for method, op in item.items():
        if method not in ('get', 'post', 'put', 'patch', 'delete'):
            continue
        ops.append((path, method.upper(), dict(op, parameters=item.get('parameters', []) + op.get('parameters', []))))

out = ['// Code generated by internal/gen/gen.py from /v1/openapi.json. DO NOT EDIT.\n\npackage orionos\n\n',
       'import (\n\t"context"\n\t"net/url"\n\t"strconv"\n)\n\n',
       'var _ = strconv.Itoa\nvar _ url.Values\n\n']
opnames = []
for path, method, op in ops:
    opid = op['operationId']
    if opid not in METHODS:
        sys.exit(f'no SDK method named for operation {opid}: add it to METHODS')
    service, mname = METHODS[opid]
    opnames.append((opid, service, mname))
    status = [k for k in op['responses'] if k.startswith('2')][0]
    content = op['responses'][status].get('content', {})
    data = content.get('application/json', {}).get('schema', {}).get('properties', {}).get('data')
    params = [resolve(p) for p in op['parameters']]
    path_params = [p for p in params if p['in'] == 'path']
    query_params = [p for p in params if p['in'] == 'query']
    rb = op.get('requestBody', {}).get('content', {}).get('application/json', {}).get('schema')
    sig = ['ctx context.Context']
    gopath = path[len('/v1'):]
    path_expr = []
    for p in path_params:
        pname = param_name(p['name'])
        ptype = 'int' if p['schema'].get('type') == 'integer' else 'string'
        sig.append(f'{pname} {ptype}')
    # Build the path expression.
    pieces = re.split(r'(\{[^}]+\})', gopath)
    expr = []
    for piece in pieces:
        if not piece:
            continue
        m = re.fullmatch(r'\{([^}]+)\}', piece)
        if m:
            pname = param_name(m.group(1))
            ptype = next('int' if p['schema'].get('type') == 'integer' else 'string' for p in path_params if p['name'] == m.group(1))
            expr.append(f'segment("{m.group(1)}", {pname})' if ptype == 'string' else f'numberPart("{m.group(1)}", {pname})')
        else:
            expr.append(json.dumps(piece))
    checks = ''
    if path_params:
        out_path = 'p, err := joinPath(' + ', '.join(expr) + ')\n\tif err != nil {\n\t\treturn nil, err\n\t}\n'
    else:
        out_path = f'p := {expr[0]}\n'
    qname = None
    if query_params:
        qname = go_name(opid) + 'Params'
        lines = [f'// {qname} are the query parameters of {mname} ({method} {gopath}); zero values are left out.\ntype {qname} struct {{\n']
        enc = [f'func (params *{qname}) values() url.Values {{\n\tq := url.Values{{}}\n\tif params == nil {{\n\t\treturn q\n\t}}\n']
        for p in query_params:
            fname = go_name(p['name'])
            t = p['schema'].get('type')
            gt = {'integer': 'int', 'boolean': 'bool'}.get(t, 'string')
            lines.append(comment(p.get('description', ''), '\t'))
            lines.append(f'\t{fname} {gt}\n')
            if gt == 'int':
                enc.append(f'\tif params.{fname} != 0 {{\n\t\tq.Set("{p["name"]}", strconv.Itoa(params.{fname}))\n\t}}\n')
            elif gt == 'bool':
                enc.append(f'\tif params.{fname} {{\n\t\tq.Set("{p["name"]}", "true")\n\t}}\n')
            else:
                enc.append(f'\tif params.{fname} != "" {{\n\t\tq.Set("{p["name"]}", params.{fname})\n\t}}\n')
        lines.append('}\n\n')
        enc.append('\treturn q\n}\n\n')
        out.append(''.join(lines) + ''.join(enc))
        sig.append(f'params *{qname}')
    body = 'nil'
    if rb is not None:
        if '$ref' in rb:
            sig.append(f'body *{ref_name(rb["$ref"])}')
        else:
            sig.append('body map[string]any')
        body = 'body'
    sig.append('opts ...RequestOption')
    query = 'params.values()' if qname else 'nil'
    doc = (op.get('summary') or '') + ('. ' if op.get('summary') else '')
    head = f'// {mname} calls {method} {gopath} ({opid}). {doc}\n'
    recv = f'func (s *{service}Service) {mname}('
    is_page = False
    if opid in ('exportConversation', 'exportAgentConversations'):
        accept = ', '.join(content.keys())
        out.append(head + f'// The file is streamed: read Download.Body, then Close it.\n{recv}{", ".join(sig)}) (*Download, error) {{\n\t{out_path}\treturn s.c.download(ctx, "{method}", p, {query}, "{accept}", opts)\n}}\n\n')
        continue
    if opid == 'sendMessage':
        rtype = 'SentMessage'
    elif data is None:
        rtype = 'map[string]any'
    elif '$ref' in data:
        rtype = ref_name(data['$ref'])
    elif data.get('type') == 'array':
        rtype = '[]' + base_type(data['items'], go_name(opid) + 'Item', False)
    elif set(data.get('properties', {})) == {'items', 'pagination'}:
        item = base_type(data['properties']['items']['items'], go_name(opid) + 'Item', False)
        rtype = f'Page[{item}]'
        is_page = item
    else:
        rtype = base_type(data, go_name(opid) + 'Result', False)
    ptr = '' if rtype.startswith('[]') or rtype.startswith('map') else '*'
    if opid == 'sendMessage':
        sig_body = 'body *SendMessageRequest'
        out.append(head + f'// The reply is in the result\'s Response; StreamMessage streams it.\n{recv}{", ".join(sig)}) (*SentMessage, error) {{\n\t{out_path}\tif body == nil {{\n\t\treturn nil, errNoBody\n\t}}\n\tsend := *body\n\tsend.Stream = nil\n\tvar out SentMessage\n\tif err := s.c.do(ctx, "{method}", p, {query}, &send, &out, opts); err != nil {{\n\t\treturn nil, err\n\t}}\n\treturn &out, nil\n}}\n\n')
        continue
    if ptr:
        ret = f'\tvar out {rtype}\n\tif err := s.c.do(ctx, "{method}", p, {query}, {body}, &out, opts); err != nil {{\n\t\treturn nil, err\n\t}}\n\treturn &out, nil\n'
    else:
        ret = f'\tvar out {rtype}\n\tif err := s.c.do(ctx, "{method}", p, {query}, {body}, &out, opts); err != nil {{\n\t\treturn nil, err\n\t}}\n\treturn out, nil\n'
    out.append(head + f'{recv}{", ".join(sig)}) ({ptr}{rtype}, error) {{\n\t{out_path}{ret}}}\n\n')
    if is_page:
        # An iterator over every page.
        args = [s.split(' ')[0] for s in sig if not s.startswith('ctx') and not s.startswith('params') and not s.startswith('opts')]
        isig = [s for s in sig if not s.startswith('params')] + []
        isig = [s if not s.startswith('opts') else f'params *{qname}' for s in isig] + ['opts ...RequestOption']
        call_args = ', '.join(['ctx'] + args + ['&q', 'opts...'])
        out.append(f'// {mname}AutoPaging iterates over every item of every page of {mname}, from params.Page (default 1).\n'
                   f'func (s *{service}Service) {mname}AutoPaging({", ".join(isig)}) *Iter[{is_page}] {{\n'
                   f'\treturn newIter(func(ctx context.Context, page int) (*Page[{is_page}], error) {{\n'
                   f'\t\tq := {qname}{{}}\n\t\tif params != nil {{\n\t\t\tq = *params\n\t\t}}\n\t\tq.Page = page\n'
                   f'\t\treturn s.{mname}({call_args})\n\t}}, ctx, params != nil && params.Page > 0, pageOf(params))\n}}\n\n')
        out.append('') 
        # pageOf helper is generic over param types: emit a specific one.
        out.append(f'func (params *{qname}) startPage() int {{\n\tif params == nil || params.Page < 1 {{\n\t\treturn 1\n\t}}\n\treturn params.Page\n}}\n\n')

src = ''.join(out).replace('pageOf(params))', 'params.startPage())').replace(', ctx, params != nil && params.Page > 0, ', ', ctx, ')
open('operations.go', 'w').write(src)

models = ['// Code generated by internal/gen/gen.py from /v1/openapi.json. DO NOT EDIT.\n\npackage orionos\n\n']
for name in order:
    models.append(structs[name] + '\n')
open('models.go', 'w').write(''.join(models))

table = ['// Code generated by internal/gen/gen.py from /v1/openapi.json. DO NOT EDIT.\n\npackage orionos\n\n',
         '// Operations maps each operationId of /v1/openapi.json to its method, as "Service.Method".\n',
         'var Operations = map[string]string{\n']
for opid, service, mname in opnames:
    table.append(f'\t"{opid}": "{service}.{mname}",\n')
table.append('}\n')
open('operations_table.go', 'w').write(''.join(table))
