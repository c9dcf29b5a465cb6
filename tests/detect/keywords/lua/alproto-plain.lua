-- kw-lua.rules: SCFlowAppLayerProto without a change of protocol: orig and expect "unknown"
function init(args)
    return {tls = tostring(true)}
end

function match(args)
    local a, ts, tc, orig, expect = SCFlowAppLayerProto()
    if a == "tls" and ts == "tls" and tc == "tls" and orig == "unknown" and expect == "unknown" then
        return 1
    end
    return 0
end
