package io.dmtd.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

import java.util.Map;

/** {@code tojson} as transformers defines it: Python's json.dumps, non-ASCII kept, optional indent. */
final class PythonJsonFilter implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return PythonStyleJson.write(value, args.length > 0 ? Integer.valueOf(args[0]) : null);
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        return PythonStyleJson.write(value, indent instanceof Number n ? Integer.valueOf(n.intValue()) : null);
    }
}
