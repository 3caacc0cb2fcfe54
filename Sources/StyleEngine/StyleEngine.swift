import CLRuntime
