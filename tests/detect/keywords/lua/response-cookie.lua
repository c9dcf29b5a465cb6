-- kw-lua.rules: the http.response_cookie need: the response's Set-Cookie as the bothways
-- @http.response_cookie buffer holds it
function init(args)
    return {["http.response_cookie"] = tostring(true)}
end

function match(args)
    if args["http.response_cookie"] == "id=42; Path=/" then
        return 1
    end
    return 0
end
