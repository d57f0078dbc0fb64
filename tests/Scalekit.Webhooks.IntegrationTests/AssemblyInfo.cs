// Each test class starts its own Azurite and host; two at a time keep a 2-core machine responsive.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
