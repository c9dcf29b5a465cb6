-- kw-lua.rules: the request's normalized URI (the http.uri need) holds "data.bin"
function init(args)
    local needs = {}
    needs["http.uri"] = tostring(true)
    return needs
end

function match(args)
    local u = tostring(args["http.uri"])
    if u:find("data.bin", 1, true) then
        return 1
    end
    return 0
end
