-- kw-lua.rules: the request keeps its URI in a flow variable; the response matches when the
-- variable says /data.bin (HTTP transactions, both directions of the need-less http rule)
function init(args)
    local needs = {}
    needs["http.request_line"] = tostring(true)
    needs["flowvar"] = {"lua_uri"}
    return needs
end

function match(args)
    local line = args["http.request_line"]
    if line ~= nil then
        local prev = SCFlowvarGet(0)
        SCFlowvarSet(0, line, #line)
        if prev ~= nil and prev:find("index.html", 1, true) and line:find("data.bin", 1, true) then
            return 1
        end
    end
    return 0
end
