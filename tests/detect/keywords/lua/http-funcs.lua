-- kw-lua.rules: the Http* functions on a response (the http.response_headers need):
-- a 404 from nginx to a request for demo.example's /missing.html
function init(args)
    return {["http.response_headers"] = tostring(true)}
end

function match(args)
    local host = HttpGetRequestHost()
    local uri = HttpGetRequestUriRaw()
    local server = HttpGetResponseHeader("server")
    local line = HttpGetResponseLine()
    local hdrs = HttpGetResponseHeaders()
    if host == nil or uri == nil or server == nil or line == nil or hdrs == nil then
        return 0
    end
    if hdrs["Server"] ~= server and hdrs["server"] ~= server then
        return 0
    end
    if host:find("demo.example", 1, true) and uri == "/missing.html" and server == "nginx"
        and line:find("404", 1, true) and args["http.response_headers"] ~= nil then
        return 1
    end
    return 0
end
