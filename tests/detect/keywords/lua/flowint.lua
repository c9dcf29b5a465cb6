-- kw-lua.rules: counts each flow's packets to the server in a flowint, matches the third
function init(args)
    local needs = {}
    needs["packet"] = tostring(true)
    needs["flowint"] = {"lua_pkts"}
    return needs
end

function match(args)
    local n = SCFlowintIncr(0)
    if n == 3 and SCFlowintGet("lua_pkts") == 3 then
        return 1
    end
    return 0
end
