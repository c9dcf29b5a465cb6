-- kw-lua.rules: SCFlowAppLayerProto after STARTTLS: alproto tls, orig smtp, expect tls
function init(args)
    return {tls = tostring(true)}
end

function match(args)
    local a, ts, tc, orig, expect = SCFlowAppLayerProto()
    if a == "tls" and ts == "tls" and tc == "tls" and orig == "smtp" and expect == "tls" then
        return 1
    end
    return 0
end
